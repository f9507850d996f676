"""Data files shipped with Lookout (installed as ``lookout.resources``): the price table."""
