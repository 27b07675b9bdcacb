"""A provincial department's FTP server that Outfall did not write: Debian's pyftpdlib.

One account with write access to one folder; with --cert and --key, FTPS with explicit TLS that
refuses plain logins and plain data connections. Listens on 127.0.0.1 (port 0: any free one) and
prints "port N" once it accepts connections.
"""
import argparse

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

args = argparse.ArgumentParser()
args.add_argument("--port", type=int, default=0)
args.add_argument("--dir", required=True)
args.add_argument("--user", required=True)
args.add_argument("--password", required=True)
args.add_argument("--cert")
args.add_argument("--key")
a = args.parse_args()

authorizer = DummyAuthorizer()
authorizer.add_user(a.user, a.password, a.dir, perm="elradfmw")
handler = TLS_FTPHandler if a.cert else FTPHandler
if a.cert:
    handler.certfile = a.cert
    handler.keyfile = a.key
    handler.tls_control_required = True
    handler.tls_data_required = True
handler.authorizer = authorizer
server = FTPServer(("127.0.0.1", a.port), handler)
print("port", server.address[1], flush=True)
server.serve_forever()
