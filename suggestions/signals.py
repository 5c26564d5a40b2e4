"""What happens to suggestions that apps above react to (residents tells followers).
Sent with `lib.signals.announce`, once the transaction commits."""

from django.dispatch import Signal

# A resident sent a suggestion online. Arguments: suggestion, notify (None, or the
# (channel, address) they gave to be told of the reply).
suggestion_submitted = Signal()

# A suggestion has a public reply: sent after every answer, the receiver tells the
# suggestion's followers once. Arguments: suggestion.
suggestion_answered = Signal()
