"""PDF reports with reportlab: the document machinery, styles, and custody's visit report."""
