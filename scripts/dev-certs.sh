#!/usr/bin/env bash
# Development certificates and tokens for ptykeep's TLS, mutual TLS and bearer tokens.
#
#   scripts/dev-certs.sh [OUT_DIR] [EXTRA_NAME...]      (default OUT_DIR: deploy/certs)
#
# Writes, with openssl (Node can verify X.509 certificates but has no API to issue them):
#   ca.crt, ca.key          a private CA, valid DEV_CERT_DAYS days
#   service.crt/.key        one certificate for both services, as servers (serverAuth) and as
#                           each other's clients (clientAuth): names localhost, store-service,
#                           pty-service, 127.0.0.1, ::1 and every EXTRA_NAME (DNS name or IP)
#   client.crt/.key         a client certificate for the CLI or a gateway (clientAuth only)
#   tokens                  a TOKENS file for the services: one full and one read-only token
#   token, token-read-only  the same tokens alone, for clients (PTY_STORE_TOKEN_FILE, PTYKEEP_TOKEN_FILE)
#
# For development and tests only: a production deployment gets its certificates from its own
# CA and its tokens from its secret store. Existing files in OUT_DIR are replaced.
set -euo pipefail

out="${1:-deploy/certs}"
shift || true
days="${DEV_CERT_DAYS:-365}"
command -v openssl >/dev/null || { echo "dev-certs: openssl is required" >&2; exit 1; }
mkdir -p "$out"
cd "$out"
umask 077

san="DNS:localhost,DNS:store-service,DNS:pty-service,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san="$san,IP:$name"; else san="$san,DNS:$name"; fi
done

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "/CN=ptykeep dev CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt

issue() { # name, CN, extendedKeyUsage, subjectAltName
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n%s' "$3" "${4:+subjectAltName=$4}" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
issue service "ptykeep service" "serverAuth,clientAuth" "$san"
issue client "ptykeep client" "clientAuth" ""
rm -f ca.srl

full="$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
ro="$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
printf '# ptykeep dev tokens: ROLE:TOKEN per line (full, read-only)\nfull:%s\nread-only:%s\n' "$full" "$ro" >tokens
printf '%s\n' "$full" >token
printf '%s\n' "$ro" >token-read-only
# Readable by the services' user in the images (uid 1000, usually the developer's own uid).
chmod 600 ./*.key tokens token token-read-only
chmod 644 ./*.crt
echo "dev-certs: wrote CA, service and client certificates and tokens to $(pwd)"
