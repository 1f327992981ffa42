import numpy as np
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder


def add_features(X):
    X = X.copy()
    X["Title"] = X["Name"].str.extract(r",\s*([^.]+)\.", expand=False).fillna("None")
    X["FamilySize"] = X["SibSp"] + X["Parch"] + 1
    X["HasCabin"] = X["Cabin"].notna().astype(int)
    X["LogFare"] = np.log1p(X["Fare"].fillna(X["Fare"].median()))
    return X


def get_estimator():
    numeric = ["Pclass", "Age", "SibSp", "Parch", "LogFare", "FamilySize", "HasCabin"]
    categorical = ["Sex", "Embarked", "Title"]
    preprocess = make_column_transformer(
        ("passthrough", numeric),
        (
            OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            ),
            categorical,
        ),
    )
    model = HistGradientBoostingClassifier(
        max_depth=3,
        learning_rate=0.05,
        max_iter=150,
        categorical_features=[False] * len(numeric) + [True] * len(categorical),
        random_state=0,
    )
    return make_pipeline(FunctionTransformer(add_features), preprocess, model)
