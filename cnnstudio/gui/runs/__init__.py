"""The run browser: runs on disk, their charts overlaid, resume, rename, tag, delete, export."""
