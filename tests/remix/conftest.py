from tests.cameos.conftest import make_cameo  # noqa: F401 (fixtures the remix tests use)
from tests.feed.conftest import make_video  # noqa: F401
from tests.generation.conftest import generation_env, provenance_dir  # noqa: F401
