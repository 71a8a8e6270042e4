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
    $apt_sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}
