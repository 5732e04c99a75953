"""Shared foundations of the CİMER services: written once, used by every service.

psycopg 3 chooses how to wait for the server when it is first imported; its C wait blocks the whole eventlet hub
(twenty concurrent queries run one after another). Choosing the pure-Python `wait_select`, which eventlet's patched
`select` makes green, has to happen before anything imports psycopg, hence here, in the package's first lines. A
service's database (`db.Database`) then puts its own wait in its place, `db.green_wait`, which costs less.
"""

import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

# nameko 2 runs only on eventlet, which announces its deprecation on every import; the choice is made and
# documented once (README), and the warning would break one-JSON-line-per-event logs of every command.
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
