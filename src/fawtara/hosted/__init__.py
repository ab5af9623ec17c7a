"""The invoice link: the page a client opens (`/i/{token}`) and its PDF (`/i/{token}.pdf`)."""
