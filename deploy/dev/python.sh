# Sourced by test scripts: a virtual environment in .build/test-python with the PyPI tools the
# tests use (schemathesis, docker-py, …), made on first use. Tools test Wharf; they are never
# part of it.
#
# Python 3.11 before 3.11.8 (this machine's default, and Debian 12's) can fail inside the ast
# module with "AST constructor recursion depth mismatch" (CPython gh-106905) when hypothesis
# describes a strategy, so a newer interpreter is preferred when the machine has one.

test_python_interpreter() {
  local candidate
  for candidate in "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3 "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3 \
                   /usr/bin/python3.13 /usr/bin/python3.12; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  command -v python3
}

# ensure_test_python PACKAGE==VERSION…: installs what is missing into .build/test-python.
ensure_test_python() {
  if [ ! -x .build/test-python/bin/python ]; then
    "$(test_python_interpreter)" -m venv .build/test-python
  fi
  local missing=()
  local package
  for package in "$@"; do
    .build/test-python/bin/python -m pip show -q "${package%%==*}" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    .build/test-python/bin/python -m pip install -q --disable-pip-version-check "${missing[@]}"
  fi
}
