"""HTTP pieces every OGC resource shares: links, format negotiation, ETags, CRS ids, HTML."""
