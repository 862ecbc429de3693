"""The Bluesky client over real TLS: the public AppView is HTTPS, and the client speaks it with
the standard library's ``http.client``, so a local fake AppView behind a self-signed certificate
checks the handshake, the CA bundle ``requests`` would trust (``REQUESTS_CA_BUNDLE``) and the
error when the certificate cannot be verified."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest

from follower_kit import Store, ingest
from follower_kit.sources import bluesky
from follower_kit.testing.fake_bluesky import FakeBluesky

HANDLE = "sample.bsky.social"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="the openssl command makes the test certificate")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture(scope="module")
def audience():
    from follower_kit.sources.sample import generate

    return generate(followers=120, months=2, seed=9, tweets_per_follower=2)


def _https(server, cert) -> str:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, cert))
    httpd = server._httpd
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    return f"https://localhost:{httpd.server_address[1]}"


def test_a_pull_over_tls_with_the_ca_bundle_from_the_environment(audience, cert, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert[0]))
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = FakeBluesky.from_sample(audience)
    url = _https(server, cert)
    with server:
        store = Store(tmp_path)
        ref = ingest.pull_bluesky_followers(store, HANDLE, client=bluesky.BlueskyClient(
            url, timeout=5, sleep=lambda s: None))
        truth = server.visible_followers(ref.account_id)
    assert list(store.followers(HANDLE)["id"]) == truth and len(truth) > 100
    assert store.followers(HANDLE)["followers_count"].notna().all()  # getProfiles too


def test_an_unverifiable_certificate_is_one_clear_error_not_retried(audience, cert,
                                                                     monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = FakeBluesky.from_sample(audience)
    url = _https(server, cert)
    with server:
        client = bluesky.BlueskyClient(url, timeout=5, sleep=lambda s: None)
        with pytest.raises(bluesky.BlueskyError, match="REQUESTS_CA_BUNDLE") as err:
            client.call("getFollowers", HANDLE, max_results=10)
    assert "localhost" in str(err.value) and "certificate" in str(err.value)
    assert client.retries == 0 and server.requests == []
