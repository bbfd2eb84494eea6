"""The generative leak fuzzer: secret kind × carrier × encoding, through the SDK, gateway and offline doors.

Modules: :mod:`.samples` (what is planted), :mod:`.catalogue` (secret kinds and their claims),
:mod:`.benign` (look-alikes and utility values that must survive), :mod:`.encodings`,
:mod:`.carriers` (the app that plants them), :mod:`.cases` (seeded generation), :mod:`.doors`,
:mod:`.wire` and :mod:`.check` (reading and judging the exported bytes), :mod:`.known_gaps`,
:mod:`.shrink` (minimal examples) and :mod:`.report`. ``python -m leakfuzz`` explores from the
command line (run it from ``tests/``).
"""
