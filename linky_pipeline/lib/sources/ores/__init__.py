"""ORES (Belgium) as seed 000 describes it: OAuth2 authorization code + refresh tokens, Wh load curves.

No public ORES API has been found (reference notes §3, update §2): this package follows the seed's contract and
is emulated by the sandbox; every setting that could differ in reality (hosts, window, quota) is configurable.
"""
