"""Read-only health probe of one cluster node, run as root; prints one JSON object.

Argument: JSON {"user": MPI user, "home": its home, "peers": {node: address}, "names": {name: address}}.
Checks, from this node: SSH as the MPI user to every peer with strict host-key checking, what every cluster
name resolves to, and the MPI user's machinefile.
"""
import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def ssh_ok(user, peer):
    argv = ["runuser", "-u", user, "--", "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", "ConnectTimeout=5", peer, "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return "timed out"
    return "ok" if done.returncode == 0 else (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]


def resolve(name):
    try:
        return socket.gethostbyname(name)
    except OSError:
        return None


def machinefile(home):
    try:
        with open(home + "/machinefile") as handle:
            lines = [line.split() for line in handle if line.strip() and not line.startswith("#")]
    except OSError:
        return None
    return [[words[0], words[1].split("=", 1)[1] if len(words) > 1 and "=" in words[1] else ""] for words in lines]


def main():
    expected = json.loads(sys.argv[1])
    with ThreadPoolExecutor(max_workers=8) as pool:
        ssh = dict(zip(expected["peers"], pool.map(lambda p: ssh_ok(expected["user"], p), expected["peers"])))
    print(json.dumps({
        "ssh": ssh,
        "resolves": {name: {"want": address, "got": resolve(name)} for name, address in expected["names"].items()},
        "machinefile": machinefile(expected["home"]),
    }))


main()
