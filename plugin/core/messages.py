"""User-visible messages of plugin/core in a form the plugin can translate.

plugin/core imports no Qt, so it cannot translate. A message it shows to users (through
EngineFeedback.info()/warning() or the "cisc_impervious" logger) is a CoreMessage: an
English template with {named} placeholders plus its values. It *is* the English text (a str),
so code and tests that read it as a string see English; the adapters that reach the user
(processing.base.FeedbackBridge, toolbelt.log's message-log handler, through
toolbelt.i18n.tr_message) translate the template with tr() and then format it.

tools/update_translations.py extracts the literal template of every CoreMessage("...") call
into the .ts file, so the template must be a literal string at the call.
"""


class CoreMessage(str):
    """English message text that keeps its template and values for translation."""

    def __new__(cls, template: str, **values):
        message = super().__new__(cls, template.format(**values))
        message.template = template
        message.values = values
        return message

    def translated(self, translate) -> str:
        """The message with its template passed through translate (e.g. tr), then formatted;
        the English text when the translation does not fit the values."""
        try:
            return translate(self.template).format(**self.values)
        except (KeyError, IndexError, ValueError):
            return str(self)

    def __reduce__(self):  # pickles (multiprocessing) as what it is
        return (_rebuild, (self.template, self.values))


def _rebuild(template, values):
    message_class = CoreMessage  # (a call by another name: not a literal for the .ts extractor)
    return message_class(template, **values)
