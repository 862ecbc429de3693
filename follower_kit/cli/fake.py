"""``follower-kit fake-server``: the local fake X API v2 or Bluesky AppView, for demos and
benchmarks."""

from __future__ import annotations

import time

import click

from ..testing.fake_x import FakeX, Faults, OpenAPISpec


def _faults(spec: str | None, seed: int) -> Faults | None:
    if not spec:
        return None
    rates = {}
    for part in spec.split(","):
        name, _, p = part.partition("=")
        try:
            rates[name.strip()] = float(p)
        except ValueError:
            raise click.BadParameter(f"{part!r}: use NAME=PROBABILITY, e.g. 429=0.05,503=0.02",
                                     param_hint="--faults") from None
    return Faults(rates=rates, seed=seed)


def _rate_limit(ctx, param, value: str | None) -> tuple[int, float] | None:
    if not value:
        return None
    n, _, window = value.partition("/")
    try:
        limit, seconds = int(n), float(window or 900)
    except ValueError:
        limit, seconds = 0, 0.0
    if limit < 1 or not 0 < seconds < float("inf"):
        raise click.BadParameter(f"{value!r}: use N/SECONDS, e.g. 15/900 (15 follower pages "
                                 "per 15 minutes; N at least 1, SECONDS above 0)")
    return limit, seconds


@click.command("fake-server")
@click.option("--account", default="brightwave", show_default=True,
              help="Handle of the sample account served.")
@click.option("--followers", default=5000, show_default=True, type=click.IntRange(10),
              help="Its followers (as `sample --followers`).")
@click.option("--seed", default=7, show_default=True, help="Same seed, same audience.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0: a free one, printed).")
@click.option("--token", default=None, help="Accept only this bearer token (default: any).")
@click.option("--rate-limit", default=None, metavar="N/SECONDS", callback=_rate_limit,
              help="Follower pages allowed per window, e.g. 15/60 (default: unlimited).")
@click.option("--faults", default=None, metavar="NAME=P,...",
              help="Inject faults: 429, 500, 503, timeout, truncate, short.")
@click.option("--spec", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The official X API OpenAPI JSON: validate every request against it.")
@click.option("--network", type=click.Choice(["x", "bluesky"]), default="x", show_default=True,
              help="Serve the audience as the X API v2 or as a Bluesky AppView.")
@click.option("--handle", default="sample.bsky.social", show_default=True,
              help="Bluesky: the account's handle.")
@click.option("--lexicons", type=click.Path(exists=True, file_okay=False), default=None,
              help="Bluesky: the lexicon JSON folder; validate every request and response.")
def fake_server(account, followers, seed, port, token, rate_limit, faults, spec, network,
                handle, lexicons):
    """Serve the sample audience as a local X API v2 (or, with --network bluesky, a Bluesky
    AppView) on 127.0.0.1 until Ctrl-C.

    \b
    follower-kit fake-server --faults 429=0.05,503=0.02
    follower-kit fake-server --network bluesky --port 8766
    """
    from ..sources.sample import generate

    if network == "bluesky":
        _serve_bluesky(generate(account=account, followers=followers, seed=seed), handle=handle,
                       port=port, rate_limit=rate_limit, faults=_faults(faults, seed),
                       lexicons=lexicons)
        return

    checked = OpenAPISpec(spec) if spec else None  # a wrong file fails before the audience
    audience = generate(account=account, followers=followers, seed=seed)
    server = FakeX.from_sample(audience, token=token,
                               rate_limits={"followers": rate_limit} if rate_limit else {},
                               faults=_faults(faults, seed), spec=checked, port=port)
    server.start()
    click.echo(f"fake X API v2 serving @{account} ({followers:,} followers) at {server.url}\n"
               f"  export FOLLOWER_KIT_X_API_URL={server.url} X_BEARER_TOKEN="
               f"{'<the --token>' if token else 'any-value'}\n"
               f"  follower-kit pull followers {account}\nCtrl-C stops it.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


def _serve_bluesky(audience, *, handle, port, rate_limit, faults, lexicons) -> None:
    from ..testing.fake_bluesky import FakeBluesky
    from ..testing.lexicon import Lexicons

    server = FakeBluesky.from_sample(audience, handle=handle, port=port, rate_limit=rate_limit,
                                     faults=faults,
                                     lexicons=Lexicons(lexicons) if lexicons else None)
    server.start()
    followers = len(server.visible_followers(server._did(handle)))
    click.echo(f"fake Bluesky AppView serving {handle} ({followers:,} followers) at "
               f"{server.url}\n"
               f"  follower-kit pull followers {handle} --api-url {server.url}\n"
               f"  (or export FOLLOWER_KIT_BLUESKY_API_URL={server.url})\nCtrl-C stops it.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
