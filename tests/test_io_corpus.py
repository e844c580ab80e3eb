"""A corpus of broken and unusual files, built in a temporary folder: each gets its exact typed error.

For every bad file: the exact error class (not a subclass), ``.reason``, ``.path`` and a message naming the
path. For every valid but unusual file: it loads to what was written. Then the promises of ``save``: a
save killed with SIGKILL at several points leaves the old file or the complete new one, never a partial
file; a full disk gives the errno and leaves the old file intact.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile

import audiofeat.io as afio
from audiofeat.errors import (
    AudioFileError,
    AudioFileExistsError,
    AudioFileNotFoundError,
    AudioIsADirectoryError,
    ClippingWarning,
    CorruptAudioError,
    EmptyAudioError,
    NonFiniteAudioError,
    NotAudioError,
    ParameterError,
    TruncatedAudioError,
    TruncatedAudioWarning,
)
from audiofeat.io import info, load, save, stream

HAS_MP3 = "MP3" in soundfile.available_formats()
SR = 16000


def tone(n: int, channels: int = 1, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    """(n,) or (n, channels) sines, soundfile's layout (the files are written with soundfile itself)."""
    t = np.arange(n) / sr
    y = np.stack([amp * np.sin(2 * np.pi * (220.0 * (c + 1)) * t) for c in range(channels)], axis=1)
    return (y[:, 0] if channels == 1 else y).astype(np.float32)


# --------------------------------------------------------------------------------------------------
# the corpus
# --------------------------------------------------------------------------------------------------
def _mp3_bytes(tmp: Path) -> bytes:
    soundfile.write(tmp / "_src.mp3", tone(3 * 44100, sr=44100), 44100)
    return (tmp / "_src.mp3").read_bytes()


def build_bad(root: Path) -> dict[str, tuple[Path, type, str]]:
    """name -> (path, exact error class of load/info, reason)."""
    cases: dict[str, tuple[Path, type, str]] = {}

    def add(name, path, cls, reason):
        cases[name] = (path, cls, reason)

    p = root / "zero.wav"
    p.write_bytes(b"")
    add("empty 0-byte", p, EmptyAudioError, "empty")
    p = root / "garbage.wav"
    p.write_bytes(b"RIFF" + np.random.default_rng(1).bytes(400))
    add("garbage header", p, CorruptAudioError, "corrupt")
    p = root / "readme.wav"
    p.write_text("This is text, not audio.\n" * 40)
    add("text named .wav", p, NotAudioError, "not_audio")
    p = root / "folder.wav"
    p.mkdir()
    add("directory", p, AudioIsADirectoryError, "unreadable")
    add("missing", root / "nope.wav", AudioFileNotFoundError, "missing")
    p = root / "zero_frames.wav"
    soundfile.write(p, np.zeros((0, 2), np.float32), SR)
    add("0 frames (load)", p, EmptyAudioError, "empty")
    for value, label in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")):
        y = tone(4000)
        y[1234] = value
        p = root / f"{label}.wav"
        soundfile.write(p, y, SR, subtype="FLOAT")
        add(f"float {label}", p, NonFiniteAudioError, "non_finite")
    y = tone(4000, channels=2).astype(np.float64)
    y[3999, 1] = np.nan
    p = root / "nan_last_double.wav"
    soundfile.write(p, y, SR, subtype="DOUBLE")
    add("double nan in the last frame", p, NonFiniteAudioError, "non_finite")
    if HAS_MP3:
        mp3 = _mp3_bytes(root)
        first = 417  # the Xing/Info frame libsndfile (LAME) writes first: 128 kbit/s, 44.1 kHz
        id3 = b"ID3\x04\x00\x00\x00\x00\x00\x14" + b"\x00" * 20
        p = root / "id3_only.mp3"
        p.write_bytes(id3)
        add("mp3 with only an ID3 tag", p, EmptyAudioError, "empty")
        p = root / "xing_only.mp3"
        p.write_bytes(mp3[:first])
        add("mp3 with only a Xing frame", p, EmptyAudioError, "empty")
        p = root / "id3_xing.mp3"
        p.write_bytes(id3 + mp3[:first])
        add("mp3 with an ID3 tag and a Xing frame", p, EmptyAudioError, "empty")
    return cases


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return build_bad(tmp_path_factory.mktemp("bad"))


def check(excinfo, cls, reason, path):
    err = excinfo.value
    assert type(err) is cls, f"{type(err).__name__} is not {cls.__name__}"
    assert err.reason == reason
    assert err.path == str(path)
    assert str(path) in str(err)
    assert isinstance(err, AudioFileError) and isinstance(err, OSError)




@pytest.mark.parametrize("reader", ["load", "load_resampled", "info", "stream"])
def test_bad_corpus(bad, reader):
    for name, (path, cls, reason) in bad.items():
        if reader == "info" and name == "0 frames (load)":
            assert info(path).frames == 0  # info reports an empty file; it is not an error
            continue
        if reader == "info" and cls is NonFiniteAudioError:
            assert info(path).frames == 4000  # info reads headers: it does not look at the samples
            continue
        with pytest.raises(AudioFileError) as excinfo:
            if reader == "load":
                load(path, sr=None)
            elif reader == "load_resampled":
                load(path, sr=22050)
            elif reader == "info":
                info(path)
            else:
                list(stream(path, 4, 512, 256))
        check(excinfo, cls, reason, path)


def test_directory_is_an_is_a_directory_error(bad):
    path = bad["directory"][0]
    with pytest.raises(IsADirectoryError):
        load(path)
    with pytest.raises(AudioIsADirectoryError) as excinfo:
        save(path, np.zeros(10, np.float32), SR)
    assert excinfo.value.path == str(path) and path.is_dir()


# --------------------------------------------------------------------------------------------------
# truncated files and files of unknown length
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cut(tmp_path_factory):
    root = tmp_path_factory.mktemp("cut")
    y = tone(SR * 2, channels=2)
    full = root / "full.wav"
    soundfile.write(full, y, SR)  # PCM_16, 4 bytes per frame, 44-byte header
    data = full.read_bytes()
    wav = root / "cut.wav"
    wav.write_bytes(data[: 44 + 4 * 20000 + 2])  # 20000 whole frames and half of one
    out = {"wav": (wav, 32000, 20000, y)}
    if HAS_MP3:
        mp3 = _mp3_bytes(root)
        p = root / "cut.mp3"
        p.write_bytes(mp3[: len(mp3) // 2])
        out["mp3"] = (p, 3 * 44100, None, None)
    return out


@pytest.mark.parametrize("kind", ["wav", "mp3"])
def test_truncated_info_warns_and_strict(cut, kind):
    if kind not in cut:
        pytest.skip("libsndfile built without MP3")
    path, promised, present, y = cut[kind]
    meta = info(path)
    assert meta.truncated and meta.frames_promised == promised
    assert meta.frames < promised and meta.duration == meta.frames / meta.sr
    if present is not None:
        assert meta.frames == present
    with pytest.warns(TruncatedAudioWarning, match=f"promises {promised} frames.* only {meta.frames} are present"):
        got, _ = load(path, sr=None, mono=False)
    assert got.shape[-1] == meta.frames
    if y is not None:
        np.testing.assert_allclose(got, y[:present].T, atol=1 / 32768)
    with pytest.raises(TruncatedAudioError) as excinfo:
        load(path, sr=None, strict=True)
    check(excinfo, TruncatedAudioError, "truncated", path)
    assert isinstance(excinfo.value, CorruptAudioError)
    with pytest.raises(TruncatedAudioError):
        stream(path, 4, 512, 256, strict=True)
    with pytest.warns(TruncatedAudioWarning):
        blocks = list(stream(path, 4, 512, 256))
    assert sum(b.shape[-1] for b in blocks) >= meta.frames - 1024


def test_truncated_wav_span_before_the_cut_is_quiet(cut):
    path, _, present, y = cut["wav"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got, _ = load(path, sr=None, duration=1.0, strict=True)  # frames 0..16000 are all there
    assert got.shape == (SR,)
    with pytest.raises(TruncatedAudioError):
        load(path, sr=None, offset=1.0, duration=0.9, strict=True)  # runs past frame 20000


def test_truncated_warning_points_at_the_caller(cut):
    with pytest.warns(TruncatedAudioWarning) as record:
        load(cut["wav"][0], sr=None)
    assert record[0].filename == __file__


def test_flac_of_unknown_length(tmp_path):
    y = tone(70000, channels=2)
    full = tmp_path / "full.flac"
    soundfile.write(full, y, SR)
    raw = bytearray(full.read_bytes())
    assert raw[:4] == b"fLaC" and raw[4] & 0x7F == 0  # STREAMINFO first
    raw[21] &= 0xF0  # the 36-bit total-samples field: low 4 bits of byte 21 and bytes 22..25
    raw[22:26] = b"\x00\x00\x00\x00"
    path = tmp_path / "unknown.flac"
    path.write_bytes(bytes(raw))
    assert soundfile.info(path).frames > 2**62  # libsndfile's "unknown"
    meta = info(path)
    assert (meta.frames, meta.frames_promised, meta.truncated, meta.channels) == (70000, 70000, False, 2)
    got, sr = load(path, sr=None, mono=False)
    assert sr == SR and got.shape == (2, 70000)
    np.testing.assert_allclose(got, y.T, atol=1 / 32768)
    part, _ = load(path, sr=None, offset=1.0, duration=0.5)
    np.testing.assert_allclose(part, y[SR : SR + SR // 2].mean(axis=1), atol=1 / 32768)
    resampled, _ = load(path, sr=8000)
    np.testing.assert_allclose(resampled, load(full, sr=8000)[0], atol=1e-6)
    blocks = list(stream(path, 4, 1024, 512, mono=False))
    assert np.concatenate([b[:, :2048] for b in blocks], axis=1).shape[1] > 0
    np.testing.assert_allclose(blocks[0], y[: 1024 + 3 * 512].T, atol=1 / 32768)


# --------------------------------------------------------------------------------------------------
# valid but unusual files load right
# --------------------------------------------------------------------------------------------------
VALID = {
    "PCM_24": dict(subtype="PCM_24", tol=2**-23),
    "PCM_32": dict(subtype="PCM_32", tol=2**-31),
    "FLOAT": dict(subtype="FLOAT", tol=0.0),
    "PCM_U8": dict(subtype="PCM_U8", tol=2**-7),
    "6 channels": dict(channels=6, tol=2**-15),
    "8 kHz": dict(sr=8000, tol=2**-15),
    "192 kHz": dict(sr=192000, tol=2**-15),
    "1 sample": dict(n=1, tol=2**-15),
    "1 sample, 2 channels": dict(n=1, channels=2, tol=2**-15),
}


@pytest.mark.parametrize("case", list(VALID))
def test_valid_corpus_loads_right(tmp_path, case):
    spec = dict(VALID[case])
    tol, sr, channels, n = spec.pop("tol"), spec.pop("sr", SR), spec.pop("channels", 1), spec.pop("n", 4000)
    y = tone(n, channels=channels, sr=sr)
    if n == 1:
        y = np.full_like(y, 0.25)
    path = tmp_path / "f.wav"
    soundfile.write(path, y, sr, **spec)
    meta = info(path)
    assert (meta.sr, meta.channels, meta.frames, meta.truncated) == (sr, channels, n, False)
    got, got_sr = load(path, sr=None, mono=False)
    assert got_sr == sr
    np.testing.assert_allclose(got, y.T, atol=tol + 1e-7)
    mono, _ = load(path, sr=None)
    np.testing.assert_allclose(mono, y.mean(axis=1) if channels > 1 else y, atol=tol + 1e-6)
    if n > 1:
        res, _ = load(path, sr=22050)
        assert res.shape == (int(np.ceil(n * 22050 / sr)),) and np.isfinite(res).all()


# --------------------------------------------------------------------------------------------------
# pipes and bad file objects: ParameterError, and nothing on stderr
# --------------------------------------------------------------------------------------------------
def test_pipes_and_bad_file_objects(tmp_path, capfd):
    good = tmp_path / "good.wav"
    soundfile.write(good, tone(4000), SR)
    fifo = tmp_path / "fifo.wav"
    os.mkfifo(fifo)
    r, w = os.pipe()
    os.write(w, good.read_bytes()[:4096])
    os.close(w)
    closed = open(good, "rb")
    closed.close()
    sources = {
        "a FIFO path": (lambda: str(fifo), "pipe"),
        "a pipe file object": (lambda: os.fdopen(r, "rb", closefd=False), "not seekable"),
        "a text-mode file": (lambda: open(good), "text mode"),
        "a closed file": (lambda: closed, "closed"),
    }
    for label, (make, match) in sources.items():
        for reader in (lambda s: load(s), lambda s: info(s), lambda s: stream(s, 2, 512, 256)):
            src = make()
            try:
                with pytest.raises(ParameterError, match=match):
                    reader(src)
            finally:
                if not isinstance(src, str):
                    src.close()
    os.close(r)
    out, err = capfd.readouterr()
    assert "Illegal seek" not in err and "Traceback" not in err and "cffi" not in err, err


def test_pipe_to_save_is_refused(capfd):
    r, w = os.pipe()
    with os.fdopen(w, "wb") as f, pytest.raises(ParameterError, match="not seekable"):
        save(f, np.zeros(100, np.float32), SR, format="WAV")
    os.close(r)
    assert "Traceback" not in capfd.readouterr().err


# --------------------------------------------------------------------------------------------------
# save: guards, overwrite, atomicity
# --------------------------------------------------------------------------------------------------
def write_old(path: Path) -> np.ndarray:
    old = tone(3000)
    soundfile.write(path, old, SR, subtype="FLOAT")
    return old


def assert_old(path: Path, old: np.ndarray) -> None:
    got, _ = load(path, sr=None)
    np.testing.assert_array_equal(got, old)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".audiofeat-tmp-" in p.name)


@pytest.mark.parametrize(
    "name,sr,shape,match",
    [
        ("x.ogg", 256000, (8000,), "outside the 1-200000 Hz"),  # libvorbis segfaults here
        ("x.ogg", 48000, (256, 4000), "at most 64 channels"),  # and here (>255 channels)
        ("x.opus", 44100, (8000,), "Opus only supports"),
        ("x.mp3", 7, (8000,), "MP3 only supports"),
        ("x.mp3", 96000, (8000,), "MP3 only supports"),
        ("x.mp3", 44100, (3, 4000), "at most 2"),
        ("x.flac", 1_000_000, (8000,), "outside the 1-655350 Hz"),
        ("x.flac", 44100, (9, 4000), "at most 8"),
        ("x.aiff", 2**31 - 1, (100,), "would read back as"),  # AIFF stores it as 800000000
        ("x.wav", 2**31, (100,), "beyond any audio format"),
        ("x.wav", 8000, (1000, 2), r"\(channels, samples\)"),
        ("x.wav", 8000, (65, 1000), r"\(channels, samples\)"),
    ],
)
def test_save_guards_keep_the_old_file(tmp_path, name, sr, shape, match):
    path = tmp_path / name
    old = write_old(tmp_path / "old.wav")
    os.replace(tmp_path / "old.wav", path)  # an existing file under the name (format by content)
    with pytest.raises(ParameterError, match=match) as excinfo:
        save(path, np.zeros(shape, np.float32), sr)
    assert str(path) in str(excinfo.value) or "channels, samples" in str(excinfo.value)
    assert_old(path, old)
    assert leftovers(tmp_path) == []


def test_save_encoder_crash_is_guarded_in_a_subprocess(tmp_path):
    """The segfaulting call of the issue, run where a crash cannot take the test run down."""
    code = textwrap.dedent(f"""
        import numpy as np, audiofeat
        from audiofeat.errors import ParameterError
        try:
            audiofeat.save({str(tmp_path / 'x.ogg')!r}, np.zeros(8000, np.float32), 256000)
        except ParameterError as err:
            print("refused:", err)
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(afio.__file__).parents[1]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "refused:" in done.stdout, (done.returncode, done.stderr[-2000:])


def test_save_overwrite_switch(tmp_path):
    path = tmp_path / "x.wav"
    old = write_old(path)
    with pytest.raises(AudioFileExistsError, match="overwrite=False") as excinfo:
        save(path, np.zeros(10, np.float32), SR, overwrite=False)
    check(excinfo, AudioFileExistsError, "exists", path)
    assert isinstance(excinfo.value, FileExistsError)
    assert_old(path, old)
    save(path, np.zeros(10, np.float32), SR)  # default: overwrite
    assert info(path).frames == 10
    save(tmp_path / "new.wav", np.zeros(10, np.float32), SR, overwrite=False)


def test_save_missing_folder_is_typed(tmp_path):
    path = tmp_path / "no" / "x.wav"
    with pytest.raises(AudioFileNotFoundError, match="folder .* does not exist") as excinfo:
        save(path, np.zeros(10, np.float32), SR)
    check(excinfo, AudioFileNotFoundError, "missing", path)


def test_save_clipping_warns_with_the_peak(tmp_path):
    y = tone(1000) * 3.0  # peak 1.5
    with pytest.warns(ClippingWarning, match=r"reach 1\.5"):
        save(tmp_path / "x.wav", y, SR)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save(tmp_path / "f.wav", y, SR, subtype="FLOAT")  # float keeps them
        save(tmp_path / "ok.wav", tone(1000), SR)
    back, _ = load(tmp_path / "f.wav", sr=None)
    np.testing.assert_array_equal(back, y)


def test_save_keeps_permissions_and_symlinks(tmp_path):
    path = tmp_path / "x.wav"
    write_old(path)
    path.chmod(0o640)
    link = tmp_path / "link.wav"
    link.symlink_to("x.wav")
    save(link, tone(500), SR)
    assert link.is_symlink() and info(path).frames == 500
    assert path.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError, RuntimeError])
def test_save_interrupted_leaves_old_file_and_no_temp(tmp_path, monkeypatch, exc):
    path = tmp_path / "x.wav"
    old = write_old(path)

    def boom(sfo, data):
        sfo.write(np.ascontiguousarray(data[:100]))
        raise exc("interrupted")

    monkeypatch.setattr(afio, "_write_frames", boom)
    with pytest.raises((exc, AudioFileError)):
        save(path, tone(50000), SR)
    assert_old(path, old)
    assert leftovers(tmp_path) == []


def test_save_file_object_is_direct(tmp_path):
    buf = io.BytesIO()
    save(buf, tone(1000), SR, format="FLAC")
    buf.seek(0)
    assert info(buf).frames == 1000
    with pytest.raises(ParameterError, match="text mode"):
        with open(tmp_path / "t.wav", "w") as f:
            save(f, tone(10), SR, format="WAV")


# --------------------------------------------------------------------------------------------------
# kill -9 in the middle of a save
# --------------------------------------------------------------------------------------------------
KILL_CHILD = r"""
import os, sys, time
import numpy as np
import audiofeat.io as afio

dest, point = sys.argv[1], sys.argv[2]
y = (0.5 * np.sin(np.arange(48000 * 60) * 0.05)).astype(np.float32)   # 60 s at 48 kHz, 5.8 MB as PCM_16

def mark(tag):
    print(tag, flush=True)
    if tag == point:
        time.sleep(60)   # the parent kills us here

real_write, real_fsync, real_replace = afio._write_frames, afio._fsync_path, os.replace

def write(sfo, data):
    for i in range(0, data.shape[0], 1 << 18):
        sfo.write(np.ascontiguousarray(data[i:i + (1 << 18)]))
        mark("block%d" % (i >> 18))

def fsync(path, directory=False):
    mark("fsync-dir" if directory else "fsync")
    real_fsync(path, directory)

def replace(a, b):
    mark("replace")
    real_replace(a, b)
    mark("replaced")

afio._write_frames, afio._fsync_path, os.replace = write, fsync, replace
mark("start")
afio.save(dest, y, 48000)
mark("done")
"""

KILL_POINTS = ["start", "block0", "block5", "fsync", "replace", "replaced", "fsync-dir"]


def _new_signal() -> np.ndarray:
    return (0.5 * np.sin(np.arange(48000 * 60) * 0.05)).astype(np.float32)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_mid_save_leaves_old_or_new(tmp_path, point):
    dest = tmp_path / "x.wav"
    old = write_old(dest)
    env = dict(os.environ, PYTHONPATH=str(Path(afio.__file__).parents[1]))
    child = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(dest), point],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        for line in child.stdout:
            if line.strip() == point:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    got, _ = load(dest, sr=None)
    if got.shape == old.shape:
        np.testing.assert_array_equal(got, old)
        assert point in ("start", "block0", "block5", "fsync", "replace")
    else:
        new = _new_signal()
        assert got.shape == new.shape  # the complete new file, never a partial one
        np.testing.assert_allclose(got, new, atol=1 / 32768)
        assert point in ("replaced", "fsync-dir")
    stray = leftovers(tmp_path)
    assert all(name.startswith(".x.wav.audiofeat-tmp-") for name in stray)
    assert len(stray) <= 1 and (stray == [] or point not in ("replaced", "fsync-dir"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in stray) == ["x.wav"]


def test_kill_at_random_times(tmp_path):
    """Unsynchronised kills (whatever point they land on): always the old or the whole new file."""
    dest = tmp_path / "x.wav"
    old = write_old(dest)
    env = dict(os.environ, PYTHONPATH=str(Path(afio.__file__).parents[1]))
    code = ("import sys, numpy as np, audiofeat.io as a\n"
            "print('go', flush=True)\n"
            "a.save(sys.argv[1], (0.5 * np.sin(np.arange(48000 * 60) * 0.05)).astype(np.float32), 48000)\n")
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2):
        child = subprocess.Popen([sys.executable, "-c", code, str(dest)], stdout=subprocess.PIPE,
                                 text=True, env=env)
        child.stdout.readline()
        try:
            child.wait(timeout=delay) if delay else None
        except subprocess.TimeoutExpired:
            pass
        child.kill()
        child.wait(timeout=60)
        got, _ = load(dest, sr=None)
        assert got.shape in (old.shape, (48000 * 60,))
        for name in leftovers(tmp_path):
            assert name.startswith(".x.wav.audiofeat-tmp-")
            os.unlink(tmp_path / name)


# --------------------------------------------------------------------------------------------------
# a full disk
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_full_disk_reports_errno_and_keeps_old_file(small_disk):
    dest = small_disk / "x.wav"
    old = write_old(dest)  # 12 kB
    with pytest.raises(AudioFileError) as excinfo:
        save(dest, tone(SR * 30), SR)  # 960 kB as PCM_16: does not fit
    err = excinfo.value
    assert type(err) is AudioFileError and err.reason == "io"
    assert err.errno == errno.ENOSPC and "ENOSPC" in str(err) and str(dest) in str(err)
    assert_old(dest, old)
    assert leftovers(small_disk) == []
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert (type(again), again.errno, again.reason, str(again)) == (AudioFileError, errno.ENOSPC, "io", str(err))


def test_save_into_a_device_or_fifo_writes_through_and_keeps_the_node(tmp_path):
    """Renaming a temp file over /dev/null (as root) or a FIFO would destroy the node: write directly."""
    import stat as _stat

    y = np.zeros(1000, np.float32)
    null = tmp_path / "null.wav"  # our own /dev/null node, so a regression cannot damage the machine's
    try:
        os.mknod(null, _stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        null = None
    if null is not None:
        save(null, y, 8000)
        assert _stat.S_ISCHR(os.stat(null).st_mode)
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    import threading

    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    with pytest.raises(ParameterError, match="pipe"):  # libsndfile cannot stream a WAV header into a pipe
        save(fifo, y, 8000, subtype="PCM_16")
    reader.join(30)
    assert _stat.S_ISFIFO(os.stat(fifo).st_mode)  # the node is still a FIFO, not a regular file
