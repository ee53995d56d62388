"""The pure core: tables in, tables out, no file or Excel access."""
