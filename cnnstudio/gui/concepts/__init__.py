"""The Concepts view: small live demonstrations of the ideas behind the classic CNNs (issue 24)."""
