"""One module per screen; views parse the request, call one function, render one template."""
