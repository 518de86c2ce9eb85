"""wsgi.py prepares each serving process: reference data loaded, long-lived objects frozen out of the GC."""

import gc

from wijzer import geo
from wijzer.serving import prepare


def test_prepare_loads_reference_data_and_freezes_the_long_lived_objects(app):
    geo._pc4_table.cache_clear()
    try:
        assert prepare(app) is app
        assert geo._pc4_table.cache_info().currsize == 1  # loaded before the first request needs it
        assert (
            gc.get_freeze_count() > 10_000
        )  # the app and its libraries: no longer walked by every full collection
    finally:
        gc.unfreeze()  # the test process goes on creating and dropping apps


def test_the_wsgi_module_serves_a_prepared_app(tmp_path):
    """What gunicorn imports: a full collection afterwards has next to nothing left to walk."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    env = dict(os.environ, WIJZER_DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}")
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    frozen, tracked = int(out[-2]), int(out[-1])
    assert frozen > 50_000 and tracked < 1_000, (frozen, tracked)
