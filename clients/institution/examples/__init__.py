"""Example institution systems built on `cimer_institution` (installed as `cimer_institution_examples`)."""
