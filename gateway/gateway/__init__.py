"""The API gateway: the HTTP face of CİMER for the web and phone channels. Thin: it authenticates, validates the
shape of a request, calls the service that owns the answer over AMQP, and maps the service's errors to HTTP."""
