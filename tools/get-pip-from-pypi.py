"""Stand-in for ansible-test's get-pip.py where ci-files.testing.ansible.com is out of reach but PyPI is not.

ansible-test puts pip into every empty virtualenv it makes by running a get-pip.py that it downloads from
ci-files.testing.ansible.com and caches in ~/.ansible/test/cache/. When that download fails, tools/sanity
puts this file in the cache for the run instead. It does what get-pip.py does with the same arguments:
installs the pinned pip from the package index and leaves setuptools and wheel out when told to.

Usage, as ansible-test runs it with the new virtualenv's Python:
    python get_pip_X_Y.py [pip install options] pip==X.Y --no-setuptools --no-wheel
"""

import subprocess
import sys

GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def run_python(*arguments):
    subprocess.check_call([sys.executable, *arguments])


def main(argv):
    pip_install_arguments = [argument for argument in argv if argument not in GET_PIP_ONLY_FLAGS]
    # The pip bundled with Python (ensurepip) needs no network; it then fetches the pinned pip.
    run_python("-m", "ensurepip", "--default-pip")
    run_python("-m", "pip", "install", "--upgrade", "--force-reinstall", *pip_install_arguments)
    if "--no-setuptools" in argv:
        # ensurepip of Python 3.11 and older installs setuptools too; get-pip.py would not.
        run_python("-m", "pip", "uninstall", "--yes", "--quiet", "setuptools")


if __name__ == "__main__":
    main(sys.argv[1:])
