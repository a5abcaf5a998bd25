#!/usr/bin/env python3
"""Recompute the `authorization:` line of recorded-response fixtures with an independent SigV4.

Usage: python3 scripts/sign_fixture.py tests/fixtures/*/*.http

Any operation: the x-amz-target header is signed as written in the fixture.

The harness pins credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY and region
us-east-1; the time is the request's own `x-amz-date`. The signed headers are content-type, host,
x-amz-date, x-amz-security-token (when present) and x-amz-target, as kms-lite signs them. This
script exists so that fixture signatures do not come from the signer under test.
"""
import hashlib
import hmac
import re
import sys

KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
SERVICE = "kms"
SIGNED = ["content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"]


def hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def authorization(head, body):
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(": ")
        headers[name.lower()] = " ".join(value.strip().split())
    names = [n for n in SIGNED if n in headers]
    method, path, _ = head[0].split(" ")
    creq = "\n".join(
        [method, path, ""]
        + [f"{n}:{headers[n]}" for n in names]
        + ["", ";".join(names), hashlib.sha256(body).hexdigest()]
    )
    amz_date = headers["x-amz-date"]
    scope = f"{amz_date[:8]}/{REGION}/{SERVICE}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = hm(hm(hm(hm(("AWS4" + SECRET).encode(), amz_date[:8]), REGION), SERVICE), "aws4_request")
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={KEY_ID}/{scope}, SignedHeaders={';'.join(names)}, Signature={sig}"


def resign(text):
    m = re.search(r"^--- request\n(.*?)\n--- ", text, re.S | re.M)
    section = m.group(1)
    head, _, body = section.partition("\n\n")
    lines = head.split("\n")
    auth = authorization([l for l in lines if not l.startswith("authorization:")], body.encode())
    new_head = "\n".join(f"authorization: {auth}" if l.startswith("authorization:") else l for l in lines)
    return text[: m.start(1)] + new_head + "\n\n" + body + text[m.end(1):]


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path) as f:
            text = f.read()
        new = resign(text)
        if new != text:
            with open(path, "w") as f:
                f.write(new)
            print(f"re-signed {path}")
