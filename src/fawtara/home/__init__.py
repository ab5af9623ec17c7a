"""The server's own pages: what Fawtara is, at `/`, and the 404 of every path outside the two
dialects and the invoice link."""
