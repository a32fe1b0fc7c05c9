class ServiceError(Exception):
    """A refused action with a sentence the user can read (already translated)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
