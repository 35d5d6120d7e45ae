"""Trackers an officer opens outside the product (Excel workbooks)."""
