"""The key vault: upstream API keys kept in the OS keychain and injected by the proxy.

``vault`` stores and reads keys through ``keyring``; ``injection`` puts a stored key
on a request that arrived without one (pure functions, for the proxy's hot path);
``commands`` is ``lookout keys set|list|delete``. Nothing is imported here, so
``lookout --help`` does not pay for ``keyring``.
"""
