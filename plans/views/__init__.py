"""One module per screen or action; each view parses, calls one function, renders one partial."""
