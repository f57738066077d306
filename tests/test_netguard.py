"""bot.sources.netguard: URL syntax checks, the address policy, and resolution (no internet needed)."""

from __future__ import annotations

import ipaddress

import pytest

from bot.sources.netguard import AddressPolicy, DNSLookupFailed, UnsafeURL, check_url, ip_literal

DEFAULT = AddressPolicy()


@pytest.mark.parametrize("url", [
    "http://example.com/feed.xml",
    "https://example.com:8443/a?b=c#d",
    "HTTPS://EXAMPLE.COM/",
    "http://[2606:4700::1111]/",
    "https://bücher.example/rss",
])
def test_check_url_accepts_http_and_https(url):
    check_url(url)


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.com/feed", "unsupported URL scheme 'ftp'"),
    ("file:///etc/passwd", "unsupported URL scheme 'file'"),
    ("gopher://example.com/", "unsupported URL scheme 'gopher'"),
    ("javascript:alert(1)", "unsupported URL scheme 'javascript'"),
    ("http:///feed", "invalid URL: no host"),
    ("//example.com/feed", "invalid URL: no scheme (expected http:// or https://)"),
    ("http://user:secret@example.com/", "URLs with a user name or password are not allowed"),
    ("http://user@example.com/", "URLs with a user name or password are not allowed"),
    ("http://example.com:99999/", "invalid URL: port 99999"),
    ("http://example.com:0/", "invalid URL: port 0"),
    ("", "empty URL"),
    ("http://example.com/" + "a" * 9000, "URL longer than 8192 characters"),
])
def test_check_url_refuses(url, reason):
    with pytest.raises(UnsafeURL) as info:
        check_url(url)
    assert str(info.value) == reason


def test_check_url_reports_unparseable_urls():
    with pytest.raises(UnsafeURL, match=r"^invalid URL: "):
        check_url("http://0177.0.0.1/")  # httpx refuses octal dotted quads outright


@pytest.mark.parametrize("ip, kind", [
    ("127.0.0.1", "a loopback"),
    ("127.0.0.2", "a loopback"),
    ("10.0.0.5", "a private"),
    ("172.16.3.4", "a private"),
    ("192.168.1.1", "a private"),
    ("169.254.169.254", "a link-local"),  # cloud metadata
    ("100.64.0.1", "a carrier-grade NAT (100.64.0.0/10)"),
    ("0.0.0.0", "an unspecified"),
    ("224.0.0.1", "a multicast"),
    ("240.0.0.1", "a private"),
    ("255.255.255.255", "a private"),
    ("198.18.0.1", "a private"),
    ("::1", "a loopback"),
    ("::", "an unspecified"),
    ("fe80::1", "a link-local"),
    ("fe80::1%1", "a link-local"),
    ("fc00::1", "a private"),
    ("fd00:ec2::254", "a private"),  # AWS metadata over IPv6
    ("fec0::1", "a site-local"),
    ("ff02::1", "a multicast"),
    ("::ffff:10.0.0.5", "a private"),  # IPv4-mapped
    ("::ffff:127.0.0.1", "a loopback"),
    ("::ffff:169.254.169.254", "a link-local"),
    ("64:ff9b::a00:5", "a private"),  # NAT64 for 10.0.0.5
    ("2002:a00:5::1", "a private"),  # 6to4 for 10.0.0.5
])
def test_non_public_addresses_are_blocked_with_a_reason(ip, kind):
    with pytest.raises(UnsafeURL) as info:
        DEFAULT.check_ip(ip)
    addr = ipaddress.ip_address(ip.split("%")[0])
    assert str(info.value) == f"blocked: {addr} is {kind} address (set NEWSBOT_ALLOW_PRIVATE_URLS=1 to allow)"
    assert not DEFAULT.is_allowed(ip)
    AddressPolicy(allow_private=True).check_ip(ip)  # the operator's switch lifts every one of them


def test_the_documented_message():
    with pytest.raises(UnsafeURL) as info:
        DEFAULT.check_ip(ipaddress.ip_address("10.0.0.5"))
    assert str(info.value) == "blocked: 10.0.0.5 is a private address (set NEWSBOT_ALLOW_PRIVATE_URLS=1 to allow)"


@pytest.mark.parametrize("ip", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8",
                                "2a00:1450:4001:80b::200e", "100.128.0.1", "172.32.0.1"])
def test_public_addresses_pass(ip):
    DEFAULT.check_ip(ip)
    assert DEFAULT.is_allowed(ip)


def test_extra_allowed_is_exact():
    policy = AddressPolicy(extra_allowed=("127.0.0.1/32",))
    assert policy.extra_allowed == (ipaddress.ip_network("127.0.0.1/32"),)
    policy.check_ip("127.0.0.1")
    policy.check_ip("::ffff:127.0.0.1")
    with pytest.raises(UnsafeURL, match="127.0.0.2 is a loopback"):
        policy.check_ip("127.0.0.2")
    with pytest.raises(UnsafeURL, match="10.0.0.1 is a private"):
        policy.check_ip("10.0.0.1")


def test_policy_is_hashable_and_immutable():
    policy = AddressPolicy(resolver_overrides={"a.test": ["127.0.0.1"]})
    hash(policy)
    with pytest.raises(AttributeError):
        policy.allow_private = True  # type: ignore[misc]


def test_ip_literal():
    assert ip_literal("[::1]") == ipaddress.ip_address("::1")
    assert ip_literal("10.1.2.3") == ipaddress.ip_address("10.1.2.3")
    assert ip_literal("example.com") is None
    assert ip_literal("2130706433") is None  # not a literal to ipaddress; resolution catches it


async def test_resolver_overrides_replace_dns():
    policy = AddressPolicy(resolver_overrides={"feeds.test": ["93.184.216.34", "2606:4700::1111"],
                                               "rebind.test": ["127.0.0.2"], "gone.test": []})
    assert await policy.resolve("FEEDS.test.", 80) == ["93.184.216.34", "2606:4700::1111"]
    assert await policy.checked_addresses("feeds.test", 80) == ["93.184.216.34", "2606:4700::1111"]
    with pytest.raises(UnsafeURL, match="blocked: 127.0.0.2 is a loopback address"):
        await policy.checked_addresses("rebind.test", 80)
    with pytest.raises(DNSLookupFailed, match="DNS lookup failed for gone.test"):
        await policy.resolve("gone.test", 80)


async def test_one_bad_answer_blocks_the_whole_name():
    policy = AddressPolicy(resolver_overrides={"mixed.test": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(UnsafeURL, match="10.0.0.7 is a private"):
        await policy.checked_addresses("mixed.test", 80)


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.1", "0177.0.0.1", "127.1"])
async def test_real_resolution_of_loopback_spellings_is_blocked(host):
    # glibc's resolver reads decimal, hex and octal IPv4 spellings; the check sees what they resolve to.
    with pytest.raises(UnsafeURL, match="loopback"):
        await DEFAULT.checked_addresses(host, 80)
    assert await AddressPolicy(allow_private=True).checked_addresses(host, 80)


async def test_unresolvable_name():
    with pytest.raises(DNSLookupFailed, match="DNS lookup failed for no-such-host.invalid"):
        await DEFAULT.resolve("no-such-host.invalid", 80)
