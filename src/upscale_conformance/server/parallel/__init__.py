"""The reference server's image work on every core.

One big upscale is cut into horizontal strips (:mod:`.strips`); each strip is upscaled and, for PNG
and JPEG, encoded on a thread of the process's one pool (:mod:`.pool`); the encoded strips are
joined into one file (:mod:`.png`: deflate pieces, :mod:`.jpeg`: restart markers). WebP and AVIF
have no such seam: their strips are joined as pixels and encoded once (AVIF's encoder threads on
its own). :func:`.render.render` chooses; the file decodes to exactly the pixels of the one-thread
path, which the tests check across engines, colour modes, sizes and strip boundaries.
"""
