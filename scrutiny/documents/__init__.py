"""Document files: atomic writes, deterministic DOCX packaging and PDF conversion."""
