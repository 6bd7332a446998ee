"""depotsync's shell: the Flask app and its wiring, the tables, and the doors (api/ for phones
and scripts, openrosa/ for ODK Collect, web/ for the HQ pages, cli/ for the shell). The only
package that knows about HTTP; the rules it calls live in sync/ and forms/."""
