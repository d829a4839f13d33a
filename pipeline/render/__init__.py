"""An executed notebook as a page: inline facts filled, offline HTML through nbconvert's ``magnet``
template with its bulletin layer (sources, notes, data beside), proofread, then PDF."""
