# Sourced by the setup scripts: apt_install_missing PACKAGE... installs, from Debian's registry,
# only the packages that are not installed yet (idempotent; sudo when not root).
apt_sudo=""
[ "$(id -u)" -eq 0 ] || apt_sudo="sudo"

apt_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    # A mirror in mid-sync can fail one index (seen: armhf security); the install then says
    # whether what is needed is there.
    $apt_sudo apt-get update -qq || echo "setup: apt-get update reported errors; installing anyway" >&2
    DEBIAN_FRONTEND=noninteractive $apt_sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}
