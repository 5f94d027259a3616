"""The rep's working day: the tasks page, the task panels of record pages and their actions.

Tasks are ``accounts.models.Task`` and are written by ``accounts.services.tasks``; this
package holds the pages that list and act on them (URL namespace ``tasks``).
"""
