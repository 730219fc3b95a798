"""What `make package` relies on, checked in `make test` without building (the build takes many
minutes: see the README): the spec runs and names files that exist, the icons, the desktop entry,
the Windows script's version, and the Linux archive's install.sh and uninstall.sh, run for real
with a tiny fake bundle into a temporary home."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import pytest
from PIL import Image

import cnnstudio

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "cnnstudio.spec"


def _load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load(PACKAGING / "build.py", "cnnstudio_packaging_build")
icons = _load(PACKAGING / "icons" / "make_icons.py", "cnnstudio_packaging_icons")


# -- the spec -----------------------------------------------------------------------------------


class _Recorder:
    """Stands in for PyInstaller's Analysis, PYZ, EXE, COLLECT and BUNDLE: keeps the arguments."""

    made: list[tuple[str, tuple, dict]]

    def __init__(self, kind: str, made: list) -> None:
        self.kind, self.made = kind, made

    def __call__(self, *args, **kwargs):
        self.made.append((self.kind, args, kwargs))
        return types.SimpleNamespace(pure=[], scripts=[], binaries=[], datas=[], kind=self.kind)


def _package_data_files() -> list[tuple[str, str]]:
    """What PyInstaller's collect_data_files("cnnstudio") returns: every non-Python file."""
    package = Path(cnnstudio.__file__).parent
    return [
        (str(path), str(path.parent.relative_to(package.parent)))
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]


@pytest.fixture
def spec_run(monkeypatch):
    """Run the spec as PyInstaller would, with its build steps recorded instead of run."""
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda package, excludes=(): _package_data_files()
    hooks.collect_submodules = lambda package: [package]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    made: list = []
    namespace = {
        "SPECPATH": str(PACKAGING),
        "__file__": str(SPEC),
        **{kind: _Recorder(kind, made) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return namespace, made


def test_the_spec_builds_one_folder_from_files_that_exist(spec_run):
    _, made = spec_run
    kinds = [kind for kind, _, _ in made]
    assert kinds[:3] == ["Analysis", "PYZ", "EXE"] and "COLLECT" in kinds
    _, args, analysis = made[0]
    (script,) = args[0]
    assert Path(script).is_file()
    for source, _ in analysis["datas"] + analysis["binaries"]:
        assert Path(source).exists(), source
    targets = {Path(source).name: dest for source, dest in analysis["datas"]}
    # The files the app opens at run time, where cnnstudio.locations looks for them.
    assert targets["mnist_5k.npz"] == os.path.join("cnnstudio", "resources", "data")
    assert targets["zoo_catalog.json"] == os.path.join("cnnstudio", "engine", "anatomy")
    assert targets["cnnstudio-256.png"] == os.path.join("cnnstudio", "resources", "icons")
    # The Chinese font for machines without one, with the licence the OFL asks for beside it.
    fonts = os.path.join("cnnstudio", "resources", "fonts")
    assert targets["NotoSansCJKsc-Subset.otf"] == fonts and targets["OFL.txt"] == fonts
    exe = next(kwargs for kind, _, kwargs in made if kind == "EXE")
    assert Path(exe["icon"]).is_file() and exe["name"] == "cnnstudio"
    collect = next(kwargs for kind, _, kwargs in made if kind == "COLLECT")
    assert collect["name"] == "cnnstudio"  # one folder: dist/cnnstudio/


def _imported_modules() -> set[str]:
    names = set()
    for path in Path(cnnstudio.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def test_the_spec_excludes_nothing_the_app_imports(spec_run):
    namespace, _ = spec_run
    imported = _imported_modules()
    optional = {"tf2onnx", "onnx", "onnxruntime"}  # the ONNX export: an extra, said when absent
    for excluded in namespace["EXCLUDES"]:
        users = {name for name in imported if name == excluded or name.startswith(excluded + ".")}
        assert not users or excluded in optional, f"{excluded} is excluded but imported: {users}"


def test_the_spec_excludes_nothing_that_tensorflow_imports_on_start(spec_run, tmp_path):
    """The frozen app cannot import what the spec left out. TensorFlow imports far more than
    its API suggests (`import tensorflow` brings the remote profiler): a fresh process imports
    what the app imports on start and the list is compared (about 15 s)."""
    namespace, _ = spec_run
    code = (
        "import json, sys\n"
        "import tensorflow, keras\n"
        "import cnnstudio.models, cnnstudio.engine.training.session, cnnstudio.engine.use.export\n"
        "import cnnstudio.gui.app, cnnstudio.selftest\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CNNSTUDIO_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    for excluded in namespace["EXCLUDES"]:
        users = [name for name in loaded if name == excluded or name.startswith(excluded + ".")]
        assert not users, f"the spec excludes {excluded}, but the app imports {users[:3]}"


# -- icons, desktop entry, Windows script -------------------------------------------------------


@pytest.mark.parametrize("size", icons.PNG_SIZES)
def test_each_png_icon_exists_at_its_size(size):
    with Image.open(icons.png_path(size)) as image:
        assert image.size == (size, size) and image.mode == "RGBA"


def test_the_windows_and_macos_icons_hold_their_sizes():
    with Image.open(icons.ICO) as ico:
        assert {(s, s) for s in icons.ICO_SIZES} <= set(ico.info["sizes"])
    with Image.open(icons.ICNS) as icns:
        assert (512, 512) in {size[:2] for size in icns.info["sizes"]} or icns.size == (512, 512)
    with Image.open(icons.SOURCE) as source:
        assert source.size == (icons.SOURCE_SIZE, icons.SOURCE_SIZE)


def test_the_desktop_entry_is_complete():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PACKAGING / "linux" / "cnnstudio.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "CNN Studio"
    assert entry["Exec"] == "cnnstudio" and entry["Icon"] == "cnnstudio"
    assert entry["Categories"].endswith(";") and entry["Terminal"] == "false"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_the_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(
        ["desktop-file-validate", str(PACKAGING / "linux" / "cnnstudio.desktop")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_the_windows_installer_script_matches_the_version_and_the_spec():
    text = (PACKAGING / "windows" / "cnnstudio.iss").read_text(encoding="utf-8")
    assert f'#define AppVersion "{cnnstudio.__version__}"' in text
    assert r"dist\cnnstudio\*" in text and "cnnstudio-cli.exe" in text
    assert (ROOT / "packaging" / "icons" / "cnnstudio.ico").is_file()


# -- the Linux archive: install.sh and uninstall.sh for real, with a fake bundle ----------------


def _fake_bundle(folder: Path) -> Path:
    """A bundle of three small files in PyInstaller's layout: the program answers --version."""
    bundle = folder / "cnnstudio"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "payload.txt").write_text("the frozen libraries would be here")
    program = bundle / "cnnstudio"
    program.write_text('#!/bin/sh\necho "cnnstudio 9.9.9 fake $*"\n')
    program.chmod(0o755)
    return bundle


@pytest.fixture
def unpacked(tmp_path) -> Path:
    archive = build.make_linux_archive(
        _fake_bundle(tmp_path / "src"), tmp_path / "out", name="cnnstudio-test-linux"
    )
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    return tmp_path / "unpacked" / "cnnstudio-test-linux"


def _run(script: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "HOME": str(home), **env}
    return subprocess.run(
        ["sh", str(script), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_archive_holds_the_bundle_and_the_scripts(unpacked):
    assert os.access(unpacked / "cnnstudio" / "cnnstudio", os.X_OK)
    assert os.access(unpacked / "install.sh", os.X_OK)
    assert os.access(unpacked / "uninstall.sh", os.X_OK)
    assert (unpacked / "cnnstudio.desktop").is_file() and (unpacked / "README.txt").is_file()
    assert sorted(p.name for p in (unpacked / "icons").iterdir()) == sorted(
        icons.png_path(size).name for size in icons.PNG_SIZES
    )


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_install_and_uninstall_in_a_temporary_home(unpacked, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = _run(unpacked / "install.sh", home)
    assert result.returncode == 0, result.stderr
    data = home / ".local" / "share"
    launcher = home / ".local" / "bin" / "cnnstudio"
    assert (data / "cnnstudio" / "app" / "_internal" / "payload.txt").is_file()
    assert "cnnstudio 9.9.9 fake" in result.stdout
    assert "is not on your PATH" in result.stdout
    # The launcher runs the installed program, whatever the working folder.
    launched = subprocess.run(
        [str(launcher), "--self-test"], capture_output=True, text=True, cwd="/", check=True
    )
    assert launched.stdout.strip() == "cnnstudio 9.9.9 fake --self-test"
    desktop = (data / "applications" / "cnnstudio.desktop").read_text()
    assert f'Exec="{launcher}"' in desktop and "Icon=cnnstudio" in desktop
    for size in icons.PNG_SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "cnnstudio.png").is_file()

    # An update keeps the user's runs.
    runs = data / "cnnstudio" / "runs"
    runs.mkdir()
    (runs / "a-run.txt").write_text("keep me")
    assert _run(unpacked / "install.sh", home).returncode == 0
    assert (runs / "a-run.txt").read_text() == "keep me"

    # The installed uninstaller: everything goes but the runs.
    result = _run(data / "cnnstudio" / "uninstall.sh", home)
    assert result.returncode == 0, result.stderr
    assert "kept" in result.stdout
    assert not launcher.exists() and not (data / "applications" / "cnnstudio.desktop").exists()
    assert not (data / "cnnstudio" / "app").exists()
    assert not list((data / "icons").rglob("cnnstudio.png"))
    assert sorted(p.name for p in (data / "cnnstudio").iterdir()) == ["runs"]

    # --remove-data deletes the runs too; a second uninstall has nothing to do.
    assert _run(unpacked / "install.sh", home).returncode == 0
    result = _run(unpacked / "uninstall.sh", home, "--remove-data")
    assert result.returncode == 0 and not (data / "cnnstudio").exists()
    again = _run(unpacked / "uninstall.sh", home)
    assert again.returncode == 0 and "not installed" in again.stdout


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_install_honours_xdg_data_home(unpacked, tmp_path):
    home, data = tmp_path / "home", tmp_path / "xdg-data"
    home.mkdir()
    result = _run(unpacked / "install.sh", home, XDG_DATA_HOME=str(data))
    assert result.returncode == 0, result.stderr
    assert (data / "cnnstudio" / "app" / "cnnstudio").is_file()
    assert (data / "applications" / "cnnstudio.desktop").is_file()
    assert not (home / ".local" / "share").exists()
    assert _run(data / "cnnstudio" / "uninstall.sh", home, XDG_DATA_HOME=str(data)).returncode == 0
    assert not (data / "cnnstudio").exists()


def test_install_without_the_bundle_says_what_is_wrong(unpacked, tmp_path):
    shutil.rmtree(unpacked / "cnnstudio")
    result = _run(unpacked / "install.sh", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("install.sh: no program at")
    assert not (tmp_path / ".local" / "bin" / "cnnstudio").exists()
