#!/usr/bin/env bash
# A local KMS demo: starts moto on a free loopback port, encrypts a sample under key A with an
# encryption context, re-encrypts it to key B under a new context with `kms-lite re-encrypt`,
# decrypts the result with key B and checks that the plaintext is unchanged.
#
#   scripts/demo.sh            # debug build of kms-lite (fast when the tests were built)
#   scripts/demo.sh --release  # release build
#
# Needs python3 with venv (or virtualenv) and PyPI for the first run: .venv/ gets the pinned
# moto[server] (shared with scripts/test.sh). The kms-lite CLI has only `re-encrypt` so far:
# the keys, the alias, Encrypt and Decrypt are done with boto3 from that venv. Only the server
# this script started is stopped when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
case "${1:-}" in
--release) profile=release ;;
"") ;;
*)
    echo "usage: scripts/demo.sh [--release]" >&2
    exit 2
    ;;
esac

. scripts/lib/moto.sh
# Nothing of the caller's AWS configuration may leak in (profiles, endpoints, real keys).
moto_clean_aws_env
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
REGION=us-east-1

moto_venv
if [ "$profile" = release ]; then
    cargo build --quiet --locked --release --bin kms-lite
    KMS_LITE="$PWD/target/release/kms-lite"
else
    cargo build --quiet --locked --bin kms-lite
    KMS_LITE="$PWD/target/debug/kms-lite"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kms-lite-demo.XXXXXX")"
cleanup() {
    moto_stop
    rm -rf "$work"
}
trap cleanup EXIT
MOTO_LOG="$work/moto.log"
moto_start

# Prints a command as a transcript line, then runs it.
show() {
    local a line='$'
    for a in "$@"; do
        case "$a" in
        *[!A-Za-z0-9_./:=,@+-]*) line+=" $(printf '%q' "$a")" ;;
        *) line+=" $a" ;;
        esac
    done
    line="${line//$work\//\$WORK/}"
    printf '%s\n' "${line//$KMS_LITE/kms-lite}"
    "$@"
}

kms_py() { "$MOTO_PYTHON" - "$MOTO_ENDPOINT" "$REGION" "$work" "$@"; }

echo
echo "== 1. two keys and an alias (boto3)"
kms_py <<'PY'
import sys, boto3
endpoint, region, work = sys.argv[1:4]
kms = boto3.client("kms", endpoint_url=endpoint, region_name=region)
a = kms.create_key(Description="kms-lite demo key A")["KeyMetadata"]
b = kms.create_key(Description="kms-lite demo key B")["KeyMetadata"]
kms.create_alias(AliasName="alias/demo-a", TargetKeyId=a["KeyId"])
open(f"{work}/key-b", "w").write(b["Arn"])
print(f"key A  {a['Arn']}  (alias/demo-a)")
print(f"key B  {b['Arn']}")
PY
KEY_B="$(cat "$work/key-b")"

echo
echo "== 2. encrypt a sample with alias/demo-a under app=demo,stage=original (boto3)"
printf 'The quick brown fox jumps over the lazy dog.\n' >"$work/sample.txt"
kms_py <<'PY'
import sys, boto3
endpoint, region, work = sys.argv[1:4]
kms = boto3.client("kms", endpoint_url=endpoint, region_name=region)
out = kms.encrypt(KeyId="alias/demo-a", Plaintext=open(f"{work}/sample.txt", "rb").read(),
                  EncryptionContext={"app": "demo", "stage": "original"})
open(f"{work}/sample.enc", "wb").write(out["CiphertextBlob"])
print(f"{len(out['CiphertextBlob'])} bytes of ciphertext under {out['KeyId']}")
PY

echo
echo "== 3. re-encrypt to key B under app=demo,stage=rotated (kms-lite)"
show "$KMS_LITE" re-encrypt \
    --ciphertext-blob "fileb://$work/sample.enc" \
    --source-encryption-context app=demo,stage=original \
    --destination-key-id "$KEY_B" \
    --destination-encryption-context app=demo,stage=rotated \
    --endpoint-url "$MOTO_ENDPOINT" --region "$REGION" \
    --ciphertext-out "$work/sample.rotated.enc"

echo
echo "== 4. decrypt with key B under the new context, and compare (boto3)"
kms_py "$KEY_B" <<'PY'
import sys, boto3
endpoint, region, work, key_b = sys.argv[1:5]
kms = boto3.client("kms", endpoint_url=endpoint, region_name=region)
blob = open(f"{work}/sample.rotated.enc", "rb").read()
out = kms.decrypt(CiphertextBlob=blob, KeyId=key_b, EncryptionContext={"app": "demo", "stage": "rotated"})
original = open(f"{work}/sample.txt", "rb").read()
print(f"decrypted by {out['KeyId']}: {out['Plaintext'].decode()!r}")
try:
    kms.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "demo", "stage": "original"})
    print("the old context still opens it: unexpected")
    sys.exit(1)
except kms.exceptions.InvalidCiphertextException:
    print("the old context no longer opens it: InvalidCiphertextException")
if out["Plaintext"] != original:
    print("MISMATCH: the plaintext changed")
    sys.exit(1)
print("plaintext identical: OK")
PY
