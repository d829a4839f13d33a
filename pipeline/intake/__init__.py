"""``magnet-import`` and ``magnet-fetch``: a file of official figures (UN Comtrade, China Customs, or a
news release typed in) read by its format's module, checked against the data, and added as a new immutable batch."""
