"""A station's data logger that Outfall did not write: Python's ftplib uploads files.

Logs in (with --ca, FTPS with explicit TLS: AUTH TLS, then a protected data channel, the server's
certificate checked against that CA), uploads each NAME=PATH in binary mode, prints the folder's
listing and "uploaded N", and exits non-zero on any refusal.
"""
import argparse
import ftplib
import ssl

args = argparse.ArgumentParser()
args.add_argument("--port", type=int, required=True)
args.add_argument("--user", required=True)
args.add_argument("--password", required=True)
args.add_argument("--ca")
args.add_argument("files", nargs="+", help="NAME=PATH")
a = args.parse_args()

if a.ca:
    ftp = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=a.ca), timeout=20)
else:
    ftp = ftplib.FTP(timeout=20)
ftp.connect("127.0.0.1", a.port)
ftp.login(a.user, a.password)  # FTP_TLS sends AUTH TLS first
if a.ca:
    ftp.prot_p()
for f in a.files:
    name, path = f.split("=", 1)
    with open(path, "rb") as content:
        ftp.storbinary("STOR " + name, content)
print("listing", sorted(ftp.nlst()))
ftp.quit()
print("uploaded", len(a.files), flush=True)
