"""Input readers: a file or page of some format made into a document's text and title."""
