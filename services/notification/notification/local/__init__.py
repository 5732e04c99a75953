"""Local stand-ins for the outside world notification talks to, real servers for development and tests:
`cimer-mailbox` (an SMTP server that files every message as an .eml file) and `cimer-sms-provider` (an HTTP SMS
provider that files every accepted message as a JSON line). Never deployed: production points SMTP_HOST/SMTP_PORT
and SMS_PROVIDER_URL at the real ones."""
