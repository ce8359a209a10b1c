"""What the JSON API (`service.api`) and the web page (`service.web`) both stand on.

Every request, to either, passes the same hooks (`hooks.install_request_hooks`, in the order they
run): its ID and log context (`tracing`), its time limit and rate (`limits`), and who calls
(`auth`: an API key, the web page's sign-in cookie of `sessions`, or a loopback client). Views
read the app's resources (`resources`) and the request's body and parameters (`inputs`), and a
brief job is answered in the format the client asks for (`formats`). Under gunicorn, `server`'s
worker reads each request whole before a thread serves it and tells `limits` when it began. This
package imports neither `service.api` nor `service.web`; they import it, and not each other.
"""
