"""`copar serve`: the year's loop in a local web page (Starlette, Jinja2, a little plain JavaScript).

The page drives the same front door as the command line (`pipeline.promotion.Promotion`); its
request handlers only read a form, call one Promotion method and show the result. `security`
holds what keeps the page local (token, cookie, Host, CSRF, confined downloads), `jobs` the build
running in a thread with its progress, `uploads` the returned forms dropped on the page.
"""
