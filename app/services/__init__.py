"""Application operations. ``app.services.cases`` is the one door through which every
change of a case passes, whatever the channel."""
