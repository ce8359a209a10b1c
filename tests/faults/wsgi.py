"""WSGI entry point of the service with faults injected into its real pipeline (see injected.py):
`gunicorn -c gunicorn.conf.py tests.faults.wsgi:app`."""

from tests.faults.injected import create_app_with_faults

app = create_app_with_faults()
