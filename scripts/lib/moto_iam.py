#!/usr/bin/env python3
"""Prepares a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=5 for kms-lite's live tests.

Usage: moto_iam.py ENDPOINT OUT.json

The first five AWS actions go unauthenticated (moto's no-auth window): they create an IAM user
with an allow-all inline policy and an access key, and a role the user may assume, with the same
policy. From then on moto checks every SigV4 signature, so the sixth action, sts:AssumeRole, is
signed with the new user's key and yields temporary credentials with a session token.

OUT.json gets {"region", "user": {access_key_id, secret_access_key},
"session": {access_key_id, secret_access_key, session_token}}; the live tests read it through
KMS_LITE_TEST_CREDENTIALS.
"""
import json
import sys

import boto3

NO_AUTH_ACTIONS = 5  # keep in step with scripts/test.sh
REGION = "us-east-1"
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def client(service, endpoint, key="testing", secret="testing", token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def main(endpoint, out):
    iam = client("iam", endpoint)
    # The no-auth window: exactly NO_AUTH_ACTIONS actions.
    user = iam.create_user(UserName="kms-lite-test")["User"]
    iam.put_user_policy(UserName="kms-lite-test", PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="kms-lite-test")["AccessKey"]
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    role = iam.create_role(RoleName="kms-lite-test", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName="kms-lite-test", PolicyName="all", PolicyDocument=ALLOW_ALL)
    # Signed from here on.
    sts = client("sts", endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="kms-lite-test")["Credentials"]
    with open(out, "w") as f:
        json.dump(
            {
                "region": REGION,
                "user": {
                    "access_key_id": key["AccessKeyId"],
                    "secret_access_key": key["SecretAccessKey"],
                },
                "session": {
                    "access_key_id": session["AccessKeyId"],
                    "secret_access_key": session["SecretAccessKey"],
                    "session_token": session["SessionToken"],
                },
            },
            f,
            indent=2,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
