"""The scale tests start real servers and workers against PostgreSQL and Redis (see stack.py). Every module here
sets `pytestmark = pytest.mark.scale`, so they run in `make scale` (`pytest -m scale -p no:xdist`) and never in the
ordinary suite."""
