//! The route list: axum cannot list a router's routes, so every area adds its routes
//! through `Routes`, which records each path as it adds it. The list comes from the same
//! calls that build the router, so it cannot drift; `shenhe routes` prints it and the
//! access-control test walks it.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::MethodRouter;
use utoipa::openapi::OpenApi;

use super::AppState;

/// One route: its path pattern (axum's syntax, `{id}`), and its methods when known (the
/// API's, from its OpenAPI document; a page's method router does not say which it has).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub path: String,
    pub methods: Option<Vec<Method>>,
}

/// A router that remembers its routes.
#[must_use]
pub struct Routes {
    router: Router<AppState>,
    list: Vec<Route>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    pub fn route(mut self, path: &str, method_router: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, method_router);
        self.list.push(Route {
            path: path.to_string(),
            methods: None,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// Caps the body of every route added so far (as `.layer(DefaultBodyLimit::max(bytes))`).
    pub fn body_limit(mut self, bytes: usize) -> Routes {
        self.router = self.router.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// A router split from utoipa's `OpenApiRouter`, with the document that lists its routes
    /// (both come from the same `routes!` calls).
    pub fn documented(router: Router<AppState>, api: &OpenApi) -> Routes {
        let list = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ];
                Route {
                    path: path.clone(),
                    methods: Some(
                        methods
                            .into_iter()
                            .filter(|(_, operation)| operation.is_some())
                            .map(|(method, _)| method)
                            .collect(),
                    ),
                }
            })
            .collect();
        Routes { router, list }
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Route>) {
        (self.router, self.list)
    }
}

impl Default for Routes {
    fn default() -> Routes {
        Routes::new()
    }
}
