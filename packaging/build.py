"""`make package`: build the frozen app for this OS, run its self-test, pack it.

    python packaging/build.py                  # build + self-test + archive (Linux)
    python packaging/build.py --skip-build     # self-test and archive an existing dist/cnnstudio

Steps, each timed, with the sizes at the end (what the README reports):

1. PyInstaller with `packaging/cnnstudio.spec` into `dist/cnnstudio/` (work files in `build/`).
2. `dist/cnnstudio/cnnstudio --self-test` (offscreen, no network): the build fails if it fails.
3. Linux: `dist/cnnstudio-<version>-linux-<arch>.tar.gz`, the bundle with install.sh,
   uninstall.sh, the desktop entry and the icons (`make_linux_archive`). Windows and macOS:
   the next steps are printed (Inno Setup, `packaging/macos/make_dmg.sh`), not run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "cnnstudio.spec"
LINUX = PACKAGING / "linux"
ICON_DIR = ROOT / "cnnstudio" / "resources" / "icons"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE_NAME = "cnnstudio"
SELF_TEST_TIMEOUT_S = 900


def version() -> str:
    for line in (ROOT / "cnnstudio" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split('"')[1]
    raise SystemExit("no __version__ in cnnstudio/__init__.py")


def archive_name(arch: str | None = None) -> str:
    machine = (arch or platform.machine()).lower().replace("amd64", "x86_64")
    return f"cnnstudio-{version()}-linux-{machine}"


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def run_pyinstaller(dist: Path = DIST, work: Path = WORK) -> None:
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    subprocess.run(command, cwd=ROOT, check=True)


def frozen_executable(bundle: Path) -> Path:
    name = "cnnstudio-cli.exe" if sys.platform == "win32" else "cnnstudio"
    return bundle / name


def run_self_test(bundle: Path) -> None:
    """The frozen app checks itself; a failure ends the build with its output shown."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # Its own data folder: the check must not read the builder's runs or settings.
    with tempfile.TemporaryDirectory(prefix="cnnstudio-build-home-") as home:
        env.update(CNNSTUDIO_HOME=home, XDG_CONFIG_HOME=home)
        result = subprocess.run(
            [str(frozen_executable(bundle)), "--self-test"],
            env=env,
            timeout=SELF_TEST_TIMEOUT_S,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"the frozen app's self-test failed (exit {result.returncode})")


def make_linux_archive(bundle: Path, out_dir: Path, name: str | None = None) -> Path:
    """`<name>.tar.gz` in `out_dir`: `<name>/cnnstudio/` (the bundle), install.sh,
    uninstall.sh, cnnstudio.desktop, icons/cnnstudio-<N>.png, README.txt. Symbolic links in the
    bundle (PyInstaller makes a few) are kept as links."""
    name = name or archive_name()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.tar.gz"
    partial = target.with_suffix(".gz.partial")

    def executable(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mode = 0o755
        return info

    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{name}/cnnstudio")
        for script in ("install.sh", "uninstall.sh"):
            tar.add(LINUX / script, arcname=f"{name}/{script}", filter=executable)
        tar.add(LINUX / "cnnstudio.desktop", arcname=f"{name}/cnnstudio.desktop")
        tar.add(LINUX / "README.txt", arcname=f"{name}/README.txt")
        for icon in sorted(ICON_DIR.glob("cnnstudio-*.png")):
            tar.add(icon, arcname=f"{name}/icons/{icon.name}")
    os.replace(partial, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-build", action="store_true", help="use the existing dist/")
    parser.add_argument("--skip-self-test", action="store_true")
    args = parser.parse_args(argv)
    bundle = DIST / BUNDLE_NAME
    times: dict[str, float] = {}

    if not args.skip_build:
        began = time.perf_counter()
        shutil.rmtree(bundle, ignore_errors=True)
        run_pyinstaller()
        times["build"] = time.perf_counter() - began
    if not frozen_executable(bundle).exists():
        raise SystemExit(f"no frozen app at {bundle}; build it first (make package)")
    if not args.skip_self_test:
        began = time.perf_counter()
        run_self_test(bundle)
        times["self-test"] = time.perf_counter() - began

    print(f"bundle   {bundle}: {_mib(size_of(bundle))}")
    if sys.platform.startswith("linux"):
        began = time.perf_counter()
        archive = make_linux_archive(bundle, DIST)
        times["archive"] = time.perf_counter() - began
        print(f"archive  {archive}: {_mib(size_of(archive))}")
        print(f"install  tar xzf {archive.name} && ./{archive_name()}/install.sh")
    elif sys.platform == "win32":
        print(r"next     iscc packaging\windows\cnnstudio.iss   (Inno Setup 6; untested build)")
    elif sys.platform == "darwin":
        print("next     packaging/macos/make_dmg.sh   (untested build)")
    print("times    " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in times.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
