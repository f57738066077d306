"""URL canonicalisation: one spelling per article address, so the same story from two links is one article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, never which page they read.
_TRACKING_EXACT = {
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
    "ref_src", "cmpid", "ocid", "icid", "ncid", "sr_share", "mkt_tok", "oly_anon_id", "oly_enc_id", "rss",
    "wt.mc_id", "at_medium", "at_campaign", "s_cid", "spm", "cid",
}
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_EXACT or low.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """Canonical form of an http(s) URL, or None when it is empty or not http(s).

    Lowercases scheme and host, drops the fragment, default ports, user info and tracking parameters
    (utm_*, fbclid, ...), keeps the remaining parameters in their order, and turns an empty path into "/".
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))
