"""Stories: a corpus's documents grouped by the event they report, and a brief per story.

`finding` groups the documents into stories; `brief` gives each story its own merge within its
share of the brief's words.
"""
